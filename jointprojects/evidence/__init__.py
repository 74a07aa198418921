"""Evidence (issue 14, DOMAIN.md rule 15): verifying the live database against its hash-chained
audit log, and the signed evidence bundle of an arrangement that ``reports.evidence`` checks
offline."""
