-- SPEC §3 column mapping. Params: $file_idx INTEGER plus the reader's bound options ($path, …).
-- {{line}}: the physical line expression; {{parse_error}}: NULL or a reason for unsplittable rows;
-- {{columns}}: one text expression per canonical column, in staged's order (source names from the file
-- header, quoted); {{reader}}: read_csv/read_parquet over $path; {{where}}: skips header/blank lines.
INSERT INTO staged
SELECT $file_idx, {{line}}, {{parse_error}}, {{columns}}
FROM {{reader}} AS src
{{where}}
