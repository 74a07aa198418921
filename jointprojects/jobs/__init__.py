"""Long work off the request path (issue 15): jobs, their state in the database, the queue."""
