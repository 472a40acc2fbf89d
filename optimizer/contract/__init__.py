"""The workbook contract as types: sheets and columns, typed inputs and results, diagnostics and
statuses, and the rules every layer reads (a country's cap, blank capacity, landed cost). No I/O."""
