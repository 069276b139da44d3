-- Cases and sender-target onset rows recoded, per (from_code, to_code).
SELECT r.from_code, r.to_code,
       count(DISTINCT e.caseid) AS cases,
       count(e.caseid) AS sender_target_years
FROM ties_code_recodes AS r
LEFT JOIN ties_events AS e
  ON (e.sender_reported = r.from_code AND e.sender = r.to_code)
  OR (e.target_reported = r.from_code AND e.targetstate = r.to_code)
GROUP BY ALL ORDER BY ALL
