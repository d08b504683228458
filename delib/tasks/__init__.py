"""Operational tasks behind command-line commands, not business rules: demo data, backup,
retention. Like services they leave the commit to their caller (the command).
"""
