/nonexistent/deliver %F
