"""Model portfolios: targets defined once in a models workbook, followed by many households.

    book = load_models("Models.xlsx")                 # a ModelBook (never raises on bad rows)
    Portfolio.from_tables(tables, models=book)         # Settings 'Model' picks the model
    check_many(paths, models=book)

``book.py`` reads the Models table (pure); ``apply.py`` puts a model's targets into a
household's tables; ``workbook.py`` reads and writes the models workbook file.
"""
from .apply import ModelApplied, apply_model, model_name
from .book import Model, ModelBook, ModelRow, parse_models

__all__ = ["Model", "ModelApplied", "ModelBook", "ModelRow", "apply_model", "model_name", "parse_models",
           "load_models"]


def load_models(path):
    """The models workbook at ``path`` as a ``ModelBook`` (``WorkbookError`` if unreadable)."""
    from .workbook import load_models as _load

    return _load(path)
