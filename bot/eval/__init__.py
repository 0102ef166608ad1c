"""`citebot eval`: questions file, run, metrics and the tables and plot of the report."""
