"""What a plan means: baseline, cost of each family of limits, explanations of infeasibility,
scenarios, frontier, resilience and the report tables."""
