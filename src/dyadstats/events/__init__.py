"""Events stage: MID dispute-dyad-years whittled to dyad-years, TIES sanctions and ICB crises."""
