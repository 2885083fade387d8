"""The simulated build-out: many investors, year by year, used by the market (issue 20)."""
