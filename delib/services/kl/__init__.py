"""KL's area: the overview across the municipalities, search, themes, exports and API tokens.

Read-only over the chairs' submitted contributions (latest versions only); the one write is an
analyst's own API tokens.
"""
