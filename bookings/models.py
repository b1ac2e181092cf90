"""Bookings and clients (F3)."""
