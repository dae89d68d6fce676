"""Broker exports -> common records: one small parser per format, a detector by content.

    from xlrebalance.brokers import read_broker_file
    parsed = read_broker_file("Portfolio_Positions_Dec-01-2026.csv")   # a BrokerFile

Formats: Fidelity positions CSV, Schwab positions CSV and Lot Details CSV, Vanguard
OfxDownload.csv, Interactive Brokers Flex XML (``ibflex``), OFX/QFX investment statements
(``ofxtools``), and the generic lots CSV.  Nothing here touches a workbook.
"""
from .detect import CSV_FORMATS, XML_FORMATS, known_formats, read_broker_file
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, LotRecord, Position

__all__ = ["read_broker_file", "known_formats", "CSV_FORMATS", "XML_FORMATS", "AccountRef", "BrokerFile",
           "BrokerFileError", "CashBalance", "LotRecord", "Position"]
