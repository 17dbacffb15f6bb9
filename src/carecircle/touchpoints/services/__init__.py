"""Touchpoints' writes, one module per use case: ``interactions`` (contacts on the customer
timeline), ``complaints`` (the complaint workflow), ``surveys`` (invitations and answers),
``referrals`` (word of mouth). One transaction each, permission-checked, audited."""
