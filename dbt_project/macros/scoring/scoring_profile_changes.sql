{#-
    The contacts whose profile rows in the score ledger (`this`) differ from the profile points
    computed now (`profile_points`): a profile rule that now matches or no longer does, other points,
    another first day. Part of the ledger's per-contact scope: a contact's attributes (its CRM record,
    its company) change without any new interaction of its own.
-#}
{% macro scoring_profile_changes(profile_points) -%}
select differences.contact_id
from (
    (
        select
            contact_id,
            scoring_model,
            rule_id,
            cast(round(cast(points as double), 4) as double) as points,
            cast(first_active_on as timestamp) as occurred_at
        from {{ profile_points }}
        except
        select contact_id, scoring_model, rule_id, raw_points, occurred_at
        from {{ this }} as ledger
        where ledger.interaction_id is null
    )
    union all
    (
        select ledger.contact_id, ledger.scoring_model, ledger.rule_id, ledger.raw_points, ledger.occurred_at
        from {{ this }} as ledger
        inner join (
            select scoring_model, rule_id from {{ ref('scoring_profile_rules') }}
            union
            select scoring_model, rule_id from {{ ref('scoring_negative_rules') }}
            where rule_type = 'profile'
        ) as profile_rules
            on
                ledger.scoring_model = profile_rules.scoring_model
                and ledger.rule_id = profile_rules.rule_id
        where ledger.interaction_id is null
        except
        select
            contact_id,
            scoring_model,
            rule_id,
            cast(round(cast(points as double), 4) as double),
            cast(first_active_on as timestamp)
        from {{ profile_points }}
    )
) as differences
{%- endmacro %}
