"""Vehicle-routing solvers: OR-Tools baseline (and our own genetic search)."""
