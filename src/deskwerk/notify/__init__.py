"""E-mail notices: rendered in German or English, logged, sent after commit by the worker."""
