"""The canonical tables: column names, types, allowed values and meaning.

This is the data contract every module reads. CRM/ERP exports are mapped onto
these columns (``mappings``), checked against pandera schemas built from this
contract (``schemas``) and only then handed to analysis, forecast and controlling.

Money is in EUR, dates are calendar dates (no time of day), ids are strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planning_lib.core.vocabulary import CHANNELS, COST_CATEGORIES, SEGMENTS

__all__ = [
    "DEAL_STAGES",
    "ESTIMATE_FLAGS",
    "OPEN_STAGES",
    "OPTIONAL_DEFAULTS",
    "ROLES",
    "SEGMENT_BINS",
    "TABLES",
    "VALUE_LABELS",
    "Column",
    "Table",
    "segment_of_size",
]

OPEN_STAGES: tuple[str, ...] = ("qualified", "demo", "proposal", "negotiation")
DEAL_STAGES: tuple[str, ...] = (*OPEN_STAGES, "won", "lost")
ROLES: tuple[str, ...] = ("inside_sales", "field_sales", "partner_manager", "sales_lead", "sdr")

# German (and common English) labels of the canonical values, recognised in every
# export without a mapping. Keys are compared ignoring case, blanks and punctuation
# ("Schulung und Reise" = "schulung_und_reise" = "SCHULUNG UND REISE"); a mapping's
# own ``values`` entries are applied first. "Empfehlung" (a referral by a partner or
# customer) counts as partner; the Salesforce preset keeps its own referral rule.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "segment": {
        "klein": "small",
        "kleinunternehmen": "small",
        "mittel": "mid",
        "mittelstand": "mid",
        "mittelständisch": "mid",
        "groß": "large",
        "gross": "large",
        "großunternehmen": "large",
        "grossunternehmen": "large",
        "medium": "mid",
    },
    "stage": {
        "qualifiziert": "qualified",
        "demo": "demo",
        "angebot": "proposal",
        "verhandlung": "negotiation",
        "gewonnen": "won",
        "verloren": "lost",
        "closedwon": "won",
        "closedlost": "lost",
    },
    "channel": {
        "eingehend": "inbound",
        "ausgehend": "outbound",
        "partner": "partner",
        "empfehlung": "partner",
    },
    "category": {
        "personal": "personnel",
        "personalkosten": "personnel",
        "marketing": "marketing",
        "tools": "tools",
        "werkzeuge": "tools",
        "schulungundreise": "training_travel",
        "schulungreise": "training_travel",
        "trainingtravel": "training_travel",
        "provisionen": "commissions",
        "provision": "commissions",
        "sonstiges": "other",
        "sonstige": "other",
    },
    "role": {
        "innendienst": "inside_sales",
        "außendienst": "field_sales",
        "aussendienst": "field_sales",
        "partnermanager": "partner_manager",
        "vertriebsleiter": "sales_lead",
        "vertriebsleitung": "sales_lead",
        "insidesales": "inside_sales",
        "fieldsales": "field_sales",
        "saleslead": "sales_lead",
    },
}

# Segment bins of the glossary by employees: small 10-49, mid 50-250, large > 250.
# Companies below 10 employees count as small (the smallest segment; the glossary has
# no micro segment, and dropping them would lose deals silently).
SEGMENT_BINS: tuple[tuple[float, str], ...] = ((50, "small"), (251, "mid"), (float("inf"), "large"))


def segment_of_size(employees: float) -> str:
    """The segment of a company with ``employees`` employees (below 10: small)."""
    return next(name for upper, name in SEGMENT_BINS if employees < upper)


# Defaults of optional columns a deals export may lack, with the reason shown by
# ``planning validate`` (one line per filled column).
OPTIONAL_DEFAULTS: dict[str, dict[str, object]] = {
    "deals": {
        "mrr_eur": 0.0,  # no recurring part known: a one-off (transactional) sale
        "segment": "small",  # the glossary's smallest segment, 10-49 employees
        "channel": "inbound",  # the source is unknown; inbound is the CRM's own inflow
        "region": "unassigned",
        "product": "unassigned",
        "owner": "unassigned",
    },
}

# Flag columns of the deals table: "true" where validate estimated the value of an
# open deal (close date from the cycle length, amount from comparable won deals).
ESTIMATE_FLAGS: dict[str, str] = {
    "close_date": "close_date_estimated",
    "amount_eur": "amount_estimated",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Attributes:
        name: canonical column name.
        dtype: one of ``str``, ``date``, ``float``, ``int``.
        required: the column must be present (optional columns may be missing).
        nullable: empty cells are allowed.
        allowed: the closed set of allowed values, if any.
        unique: values must be unique.
        min_value: smallest allowed number.
        description: meaning and unit, shown in error messages and the README.
    """

    name: str
    dtype: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    unique: bool = False
    min_value: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and the row rules between them."""

    name: str
    description: str
    columns: tuple[Column, ...]
    # (earlier column, later column): later >= earlier wherever both are filled
    date_order: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def required(self) -> list[str]:
        """Names of the columns that must be present."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


_DIMS = (
    Column("region", "str", description="sales territory, e.g. DE-Nord"),
    Column("product", "str", description="product sold"),
    Column("segment", "str", allowed=SEGMENTS, description="customer size segment"),
    Column("channel", "str", allowed=CHANNELS, description="lead source channel"),
)

DEALS = Table(
    "deals",
    "Opportunities from the CRM, open and closed.",
    (
        Column("deal_id", "str", unique=True, description="unique deal id"),
        Column(
            "customer_id",
            "str",
            nullable=True,
            description="customer (account) id; may be empty for open or lost deals (prospects)",
        ),
        Column("created_date", "date", description="date the deal was created"),
        Column(
            "close_date",
            "date",
            description="date the deal closed, or its expected close date while open",
        ),
        Column("stage", "str", allowed=DEAL_STAGES, description="pipeline stage"),
        Column(
            "amount_eur",
            "float",
            min_value=0,
            description="first-year contract value (EUR); negative only for flagged credit notes",
        ),
        Column("mrr_eur", "float", min_value=0, description="monthly recurring revenue (EUR)"),
        *_DIMS,
        Column("owner", "str", description="sales rep (employee_id) owning the deal"),
        Column(
            "is_credit_note",
            "str",
            required=False,
            nullable=True,
            allowed=("true", "false"),
            description="'true' marks a credit note; only these may carry negative amounts",
        ),
        Column(
            "close_date_estimated",
            "str",
            required=False,
            nullable=True,
            allowed=("true", "false"),
            description="'true': close_date of an open deal estimated from the cycle length",
        ),
        Column(
            "amount_estimated",
            "str",
            required=False,
            nullable=True,
            allowed=("true", "false"),
            description="'true': amount_eur (and mrr_eur) estimated from comparable won deals",
        ),
    ),
    date_order=(("created_date", "close_date"),),
)

DEAL_STAGE_HISTORY = Table(
    "deal_stages",
    "Stage history of the deals as CRMs export it (one row per stage a deal entered).",
    (
        Column("deal_id", "str", description="deal (deals.deal_id)"),
        Column("stage", "str", allowed=DEAL_STAGES, description="stage the deal entered"),
        Column("entered_at", "date", description="date the deal entered the stage"),
    ),
)

LEADS = Table(
    "leads",
    "Leads and their way through the funnel (one row per lead).",
    (
        Column("lead_id", "str", unique=True, description="unique lead id"),
        Column("created_date", "date", description="date the lead came in"),
        Column("channel", "str", allowed=CHANNELS, description="lead source channel"),
        Column("region", "str", description="sales territory"),
        Column("segment", "str", allowed=SEGMENTS, description="customer size segment"),
        Column("company_size", "int", min_value=1, description="employees of the company"),
        Column(
            "first_response_hours",
            "float",
            required=False,
            nullable=True,
            min_value=0,
            description="hours until the first sales response",
        ),
        Column("mql_date", "date", nullable=True, description="marketing-qualified (MQL)"),
        Column("sql_date", "date", nullable=True, description="sales-qualified (SQL)"),
        Column("demo_date", "date", nullable=True, description="demo held"),
        Column("won_date", "date", nullable=True, description="became a customer"),
        Column("lost_date", "date", nullable=True, description="disqualified or lost"),
        Column("deal_id", "str", nullable=True, description="deal created from the lead"),
    ),
    date_order=(
        ("created_date", "mql_date"),
        ("created_date", "sql_date"),
        ("mql_date", "sql_date"),
        ("sql_date", "demo_date"),
        ("demo_date", "won_date"),
        ("created_date", "lost_date"),
    ),
)

SUBSCRIPTIONS = Table(
    "subscriptions",
    "Customer subscriptions (one row per customer and product contract).",
    (
        Column("customer_id", "str", description="customer id"),
        *_DIMS,
        Column("start_date", "date", description="first paid day"),
        Column("end_date", "date", nullable=True, description="last paid day; empty = active"),
        Column("mrr_eur", "float", min_value=0, description="monthly recurring revenue (EUR)"),
    ),
    date_order=(("start_date", "end_date"),),
)

COSTS = Table(
    "costs",
    "Sales and marketing costs per month (actuals).",
    (
        Column("month", "date", description="first day of the month"),
        Column("region", "str", description="sales territory"),
        Column("category", "str", allowed=COST_CATEGORIES, description="cost category"),
        Column(
            "channel",
            "str",
            required=False,
            nullable=True,
            allowed=CHANNELS,
            description="channel the cost belongs to, if any",
        ),
        Column("amount_eur", "float", min_value=0, description="cost (EUR)"),
    ),
)

HEADCOUNT = Table(
    "headcount",
    "Sales employees with hire and exit dates.",
    (
        Column("employee_id", "str", unique=True, description="employee id"),
        Column("role", "str", allowed=ROLES, description="sales role"),
        Column("region", "str", description="sales territory"),
        Column("hire_date", "date", description="first working day"),
        Column("exit_date", "date", nullable=True, description="last day; empty = employed"),
    ),
    date_order=(("hire_date", "exit_date"),),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (DEALS, LEADS, SUBSCRIPTIONS, COSTS, HEADCOUNT, DEAL_STAGE_HISTORY)
}
