"""Reading, writing and importing captures; replaying them through the rules."""
