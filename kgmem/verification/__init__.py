"""Consensus scoring: cross-source verification of facts by truth discovery.

``consensus`` holds the estimators (pure numpy over claim arrays), ``similarity`` the
value comparisons they use, ``status`` the mapping from scores to a fact's status.
"""
