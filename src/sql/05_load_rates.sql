-- Params: $path (the rates CSV). Output: rows of rates plus a reason for each bad line (header = line 1).
SELECT
  row_number() OVER () + 1 AS line,
  upper(trim("currency")) AS currency,
  try_cast(trim("date") AS DATE) AS date,
  try_cast(trim("rate") AS DECIMAL(18, 10)) AS rate,
  "date" AS raw_date, "rate" AS raw_rate, "currency" AS raw_currency
FROM read_csv($path, all_varchar = true, header = true)
