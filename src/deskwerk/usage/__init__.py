"""Usage and device data (§ 4 f, i): which pages and operations people use, recorded minimally."""
