"""Scheduling: business rules, resources, services, hours and the availability engine (F2)."""
