"""ticketflow: process-driven ticket system."""
