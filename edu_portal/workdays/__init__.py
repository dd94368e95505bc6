"""The official working-day calendar (chinesecalendar plus an administrator's table of
official days for years the package does not know yet), and deadlines counted in working
days with the rules of the disclosure regulation. Used by disclosure applications and
letters."""
