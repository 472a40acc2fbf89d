"""One workbook end to end, and a batch of them: locally, in worker processes or on Dask."""
