"""Discretion benchmarks (裁量基准) as versioned data, the no-penalty list, and the penalty
calculator (loader, service, calculator, routes)."""
