"""`citebot chat`: the loop (`app`), reading lines (`input`) and showing answers (`render`)."""
