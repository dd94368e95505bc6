"""Users, the organisation tree, roles scoped to org units, login records and audit."""
