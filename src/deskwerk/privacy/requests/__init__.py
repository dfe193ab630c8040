"""Data-subject requests (GDPR Chapter III): the inbox, access export, erasure, restriction."""
