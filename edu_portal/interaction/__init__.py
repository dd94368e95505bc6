"""局长信箱, consultations, suggestions and complaints, and 热点问答."""
