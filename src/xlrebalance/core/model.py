"""Domain values: what the engine works on once the user's tables are parsed.

Everything here is a frozen dataclass or an enum; the engine's modules are functions
over them.  Units: money in dollars (float), shares as float share counts, weights and
bands as fractions (0.05 = 5 percentage points), dates as ``datetime.date``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

#: One tolerance for comparing fractions (weights, drift, bands).  A class is outside
#: its band when ``abs(drift) > band + WEIGHT_TOL``: drift exactly at the edge is inside.
WEIGHT_TOL = 1e-9
#: Tolerance for dollar amounts (half a cent).
MONEY_TOL = 0.005
#: Tolerance for share counts.
SHARE_TOL = 1e-9


class Severity(str, enum.Enum):
    ERROR = "error"      # the answers would be wrong: computations refuse to run
    WARNING = "warning"  # the answer stands, but the user should look


@dataclass(frozen=True)
class Issue:
    """A problem in the user's data, located as precisely as we can."""

    code: str
    message: str
    table: Optional[str] = None
    row: Optional[int] = None       # sheet row number (header row = 1 unless said otherwise)
    column: Optional[str] = None
    severity: Severity = Severity.ERROR
    ticker: Optional[str] = None
    account: Optional[str] = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        parts = []
        if self.table:
            parts.append(self.table)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        label = "Error" if self.is_error else "Warning"
        return f"{label} [{self.code}] {where + ': ' if where else ''}{self.message}"


class AccountType(str, enum.Enum):
    TAXABLE = "Taxable"
    TRADITIONAL = "Traditional"   # traditional IRA, 401k, 403b, 457, SEP ...: tax-deferred
    ROTH = "Roth"
    HSA = "HSA"

    @property
    def tax_advantaged(self) -> bool:
        return self is not AccountType.TAXABLE


@dataclass(frozen=True)
class Account:
    name: str
    type: AccountType
    owner: str = ""
    cash: float = 0.0          # $ held as cash in the account today
    cash_flow: float = 0.0     # $ pending: deposit (+) or withdrawal (-)
    employer_plan: bool = False  # 401k/403b/457/TSP: a wash-sale buy there is "possibly permanent"


@dataclass(frozen=True)
class AssetClassTarget:
    asset_class: str
    target: float                       # fraction of the household total
    abs_band: Optional[float] = None    # per-class override, fraction (0.05 = 5 pp)
    rel_band: Optional[float] = None    # per-class override, fraction of target
    tradable: bool = True
    buy_ticker: Optional[str] = None
    location: Optional[str] = None      # preferred account type for new buys (override)


@dataclass(frozen=True)
class Security:
    ticker: str
    asset_class: str
    wash_group: str = ""      # substantially-identical group; defaults to the ticker
    replacement: Optional[str] = None

    @property
    def group(self) -> str:
        return self.wash_group or self.ticker


@dataclass(frozen=True)
class Holding:
    account: str
    ticker: str
    shares: float
    row: Optional[int] = None


@dataclass(frozen=True)
class Lot:
    account: str
    ticker: str
    lot_id: str
    acquired: date
    shares: float
    cost_basis: float           # total $ for the lot's shares
    row: Optional[int] = None
    basis_note: str = ""        # how the basis is known when not exactly (e.g. an average cost)

    @property
    def basis_per_share(self) -> float:
        return self.cost_basis / self.shares if self.shares else 0.0


class Action(str, enum.Enum):
    BUY = "Buy"
    SELL = "Sell"
    REINVEST = "Reinvest"


@dataclass(frozen=True)
class Transaction:
    date: date
    account: str
    ticker: str
    action: Action
    shares: float
    price: Optional[float] = None
    lot_id: Optional[str] = None
    acquired: Optional[date] = None
    cost_basis: Optional[float] = None
    row: Optional[int] = None


class PriceStatus(str, enum.Enum):
    OK = "OK"
    STALE = "STALE"
    MISSING = "MISSING"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class Price:
    ticker: str
    price: Optional[float]
    currency: str = "USD"
    as_of: Optional[date] = None
    source: str = ""
    status: str = ""
    row: Optional[int] = None


class Cadence(str, enum.Enum):
    MONTHLY = "Monthly"
    QUARTERLY = "Quarterly"
    SEMIANNUAL = "Semiannual"
    ANNUAL = "Annual"

    @property
    def months(self) -> int:
        return {"Monthly": 1, "Quarterly": 3, "Semiannual": 6, "Annual": 12}[self.value]


class Trigger(str, enum.Enum):
    HYBRID = "Hybrid"
    THRESHOLD = "Threshold"
    CALENDAR = "Calendar"


class BandRule(str, enum.Enum):
    TIGHTER = "Tighter"
    ABSOLUTE = "Absolute"
    RELATIVE = "Relative"


class RebalanceTo(str, enum.Enum):
    TARGET = "Target"
    BAND_EDGE = "Band edge"
    HALFWAY = "Halfway"


class LotMethod(str, enum.Enum):
    MINTAX = "MinTax"
    FIFO = "FIFO"
    LIFO = "LIFO"
    HIFO = "HIFO"
    TAXRATE = "TaxRate"
    SPECID = "SpecID"


class TaxableSells(str, enum.Enum):
    LAST_RESORT = "Last resort"
    ALLOWED = "Allowed"
    LOSSES_ONLY = "Losses only"
    NEVER = "Never"


class FilingStatus(str, enum.Enum):
    """The return's filing status: it sets the loss deduction limit, the brackets and NIIT."""

    SINGLE = "Single"
    JOINT = "Married filing jointly"
    SEPARATE = "Married filing separately"
    HEAD_OF_HOUSEHOLD = "Head of household"


@dataclass(frozen=True)
class Settings:
    """The Investment Policy Statement's knobs. Defaults are DESIGN.md's."""

    as_of: date
    review_cadence: Cadence = Cadence.QUARTERLY
    last_review: Optional[date] = None
    trigger: Trigger = Trigger.HYBRID
    absolute_band: float = 0.05
    relative_band: float = 0.25
    band_rule: BandRule = BandRule.TIGHTER
    rebalance_to: RebalanceTo = RebalanceTo.TARGET
    minimum_trade: float = 100.0
    cash_reserve: float = 0.0
    whole_shares: bool = True
    lot_method: LotMethod = LotMethod.MINTAX
    short_term_rate: float = 0.408  # upper bound: top ordinary rate 37% + 3.8% NIIT
    long_term_rate: float = 0.238   # upper bound: 20% + 3.8% NIIT
    taxable_sells: TaxableSells = TaxableSells.LAST_RESORT
    gain_budget: Optional[float] = None
    harvest_min_loss_pct: float = 0.05
    harvest_min_loss_usd: float = 1000.0
    wash_window_days: int = 30
    next_ips_review: Optional[date] = None
    lt_soon_days: int = 30
    stale_price_days: int = 3
    spec_id_lots: tuple[str, ...] = ()
    st_loss_carryforward: float = 0.0   # $ short-term capital loss carried in from last year (>= 0)
    lt_loss_carryforward: float = 0.0   # $ long-term capital loss carried in from last year (>= 0)
    filing_status: FilingStatus = FilingStatus.SINGLE
    taxable_income: Optional[float] = None  # $ ordinary taxable income this year; None = flat rates
    limit_collar: float = 0.005     # fraction: orders' limit price this far from the last price
    price_timeout_seconds: float = 20.0     # seconds a whole price refresh may take
    policy_changing: bool = False   # TRUE: rebalancing trades are held until the targets are updated
    ips_last_changed: Optional[date] = None     # when Targets (targets, bands) last changed


@dataclass(frozen=True)
class Household:
    """Everything parsed from the workbook, keyed by the user's own names."""

    settings: Settings
    accounts: tuple[Account, ...] = ()
    targets: tuple[AssetClassTarget, ...] = ()
    securities: tuple[Security, ...] = ()
    holdings: tuple[Holding, ...] = ()
    lots: tuple[Lot, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    prices: tuple[Price, ...] = ()
    issues: tuple[Issue, ...] = field(default=())

    def account_map(self) -> dict[str, Account]:
        return {a.name: a for a in self.accounts}

    def security_map(self) -> dict[str, Security]:
        return {s.ticker: s for s in self.securities}

    def price_map(self) -> dict[str, float]:
        return {p.ticker: p.price for p in self.prices if p.price is not None}

    def target_map(self) -> dict[str, AssetClassTarget]:
        return {t.asset_class: t for t in self.targets}
