"""The recompute engine of the Customer Order's figures: see README, Architecture."""
