// name: count_by_label
// description: How many vertices carry each label.
// params:
// columns: label, total
// writes: false
MATCH (n) RETURN label(n) AS label, count(*) AS total ORDER BY label
