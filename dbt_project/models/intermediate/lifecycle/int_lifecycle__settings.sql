{#-
    The lifecycle thresholds of `seeds/lifecycle/lifecycle_settings.csv` as one typed row, so that
    every lifecycle model joins one row instead of repeating the lookups.
-#}

with

settings as (

    select * from {{ ref('lifecycle_settings') }}

),

final as (

    select
        {%- for name in ['new_customer_days', 'repeat_min_purchases', 'lead_window_days', 'sales_window_days',
                         'ambassador_window_days', 'churn_signal_window_days', 'inactive_days', 'lost_days',
                         'won_back_days', 'won_back_touch_days', 'intent_window_days',
                         'value_tier_history_months', 'clv_horizon_months'] %}
        max(
            case when setting = '{{ name }}' then {{ dbt.safe_cast('value', 'integer') }} end
        ) as {{ name }},
        {%- endfor %}
        max(case when setting = 'value_tier_method' then lower(trim(value)) end) as value_tier_method
    from settings

)

select * from final
