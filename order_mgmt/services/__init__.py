"""The app's domain actions on ERPNext's documents (Sales Order, stock, tasks, timeline, mails, prints)."""
