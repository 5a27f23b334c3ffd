-- Params: $path (ltv's clean copy of the rates CSV, splitRecords.ts: line, reason, then the fields), $delim.
-- Identifiers: {{columns}} the clean file's column struct, {{date}} {{currency}} {{rate}} the fields that hold
-- them, {{max_line}} the longest line read. Output: one row per record with its physical line (header = 1),
-- the splitter's reason (NULL when the record is whole), the values typed (NULL when they are not) and raw.
SELECT
  line,
  reason,
  upper(ltv_trim({{currency}})) AS currency,
  try_cast(ltv_trim({{date}}) AS DATE) AS date,
  try_cast(ltv_trim({{rate}}) AS DECIMAL(18, 10)) AS rate,
  {{date}} AS raw_date, {{rate}} AS raw_rate, {{currency}} AS raw_currency
FROM read_csv($path, columns = {{columns}}, header = false, delim = $delim, auto_detect = false, strict_mode = true,
  null_padding = false, quote = '"', escape = '"', compression = 'none', new_line = '\n', max_line_size = {{max_line}})
