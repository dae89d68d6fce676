"""The closed loop after the advice: orders from the plan, the Journal (audit trail), fills.

- ``orders``: the plan's BUY/SELL rows as limit orders (sells first, whole shares, buys sized
  so no account goes below its cash reserve) and the pre-trade checks;
- ``formats``: those orders as CSV, JSON or an Interactive Brokers basket file;
- ``entries``: the Journal table's rows as values, appending a run without duplicating it,
  and the consistency checks the checker reports;
- ``fills``: executed trades (the documented fills CSV, the workbook's Fills table);
- ``record``: fills matched to Journal orders and applied to Holdings, Lots, Transactions,
  Accounts and the Journal, all or nothing;
- ``audit``: the runs, approvals, overrides and fills vs proposal, for an advisor.

Everything here is pure (tables in, tables out) except the small file readers named so;
the command line and the Excel buttons are thin fronts over it.
"""
