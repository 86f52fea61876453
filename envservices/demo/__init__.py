"""The seeded demo district (Redditch and Bromsgrove on real wards) and the nature that drives it."""

from envservices.demo.district import DemoDistrict, build_demo_district
from envservices.demo.nature import bin_fill_pct_per_day, grass_growth_mm_per_day

__all__ = ["DemoDistrict", "bin_fill_pct_per_day", "build_demo_district", "grass_growth_mm_per_day"]
