"""Population database (Cơ sở dữ liệu quốc gia về dân cư): adapters, simulator and the lookup service.

Callers use `motcua.integrations.population.services.population_lookup`.
"""
