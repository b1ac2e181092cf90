"""Bookings screens, one module per screen: public page, calendar, bookings, clients."""
