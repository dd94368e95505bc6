"""依申请公开: applications for government information, their statutory clock, handling,
the register and the annual report."""
