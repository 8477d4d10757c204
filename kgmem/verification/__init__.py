"""Consensus scoring: cross-source verification of facts by truth discovery.

``canonical`` turns claimed values into canonical forms per value type and says which
value implies which; ``support`` links the values of an item for the estimators;
``estimators`` holds the estimators behind one interface (ACCU with copy detection in
``consensus``, TruthFinder, LTM, CRH, vote), all pure numpy over claim arrays and solved
to a fixed point by ``fixedpoint``; ``calibration`` maps trust to calibrated
probabilities; ``status`` maps scores to a fact's status; ``runs`` and ``reads`` connect
all of it to the store.
"""
