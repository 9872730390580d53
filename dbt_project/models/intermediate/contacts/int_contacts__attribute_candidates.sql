{#-
    Every value a staging record gives for a contact attribute, one row per
    (record_source, record_id, attribute), attributed to its contact. The survivorship model
    picks one value per contact and attribute among these by the `survivorship_rules` seed.
    Values are trimmed; empty strings are dropped; countries are upper-cased.
-#}

with

{{ contacts_attribute_candidate_ctes() }}

select * from attribute_candidates
