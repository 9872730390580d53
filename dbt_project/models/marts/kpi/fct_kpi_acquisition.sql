{#-
    Acquisition KPIs per attribution model (first touch, last touch), acquisition channel and
    campaign: contacts, leads, qualified leads, customers and their revenue, with the campaign's
    spend (campaign costs loaded up to the as-of date), cost per lead and ROI.
    A campaign with costs is shown under the channel of its costs (paid_search, display...); other
    touches under their interaction channel. A contact counts as a lead once it reached the lead stage or any later one (stage history), as
    qualified once it reached mql or later, as a customer once it bought.
-#}

with

attribution as (

    select * from {{ ref('int_lifecycle__contact_attribution') }}

),

history as (

    select * from {{ ref('fct_contact_stage_history') }}

),

stages as (

    select * from {{ ref('lifecycle_stages') }}

),

customer_value as (

    select * from {{ ref('dim_customer_value') }}

),

campaign_costs as (

    select * from {{ ref('stg_campaign_costs__campaign_costs') }}
    where cost_date <= {{ nurture_as_of() }}

),

campaign_channels as (

    select
        campaign_id,
        min(channel) as cost_channel
    from campaign_costs
    where campaign_id is not null
    group by campaign_id

),

reached as (

    select
        contact_id,
        max(funnel_rank) as max_funnel_rank
    from history
    group by contact_id

),

ranks as (

    select
        max(case when lifecycle_stage = 'lead' then funnel_rank end) as lead_rank,
        max(case when lifecycle_stage = 'mql' then funnel_rank end) as mql_rank,
        max(case when lifecycle_stage = 'new_customer' then funnel_rank end) as customer_rank
    from stages

),

contacts as (

    select
        attribution.attribution_model,
        coalesce(campaign_channels.cost_channel, attribution.channel) as acquisition_channel,
        attribution.campaign_id,
        count(*) as contacts,
        sum(case when reached.max_funnel_rank >= ranks.lead_rank then 1 else 0 end) as leads,
        sum(case when reached.max_funnel_rank >= ranks.mql_rank then 1 else 0 end) as qualified_leads,
        sum(case when reached.max_funnel_rank >= ranks.customer_rank then 1 else 0 end) as customers,
        sum(coalesce(customer_value.revenue, 0)) as revenue
    from attribution
    cross join ranks
    inner join reached
        on attribution.contact_id = reached.contact_id
    left join customer_value
        on attribution.contact_id = customer_value.contact_id
    left join campaign_channels
        on attribution.campaign_id = campaign_channels.campaign_id
    group by
        attribution.attribution_model,
        coalesce(campaign_channels.cost_channel, attribution.channel),
        attribution.campaign_id

),

spend as (

    select
        campaign_id,
        sum(spend) as spend
    from campaign_costs
    where campaign_id is not null
    group by campaign_id

),

models as (

    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model

),

unattributed_spend as (

    -- campaigns with spend that no contact is attributed to still show their cost
    select
        models.attribution_model,
        campaign_channels.cost_channel as acquisition_channel,
        spend.campaign_id,
        0 as contacts,
        0 as leads,
        0 as qualified_leads,
        0 as customers,
        0 as revenue
    from spend
    cross join models
    inner join campaign_channels
        on spend.campaign_id = campaign_channels.campaign_id
    where not exists (
        select 1
        from contacts
        where
            contacts.campaign_id = spend.campaign_id
            and contacts.attribution_model = models.attribution_model
    )

),

combined as (

    select * from contacts
    union all
    select * from unattributed_spend

),

final as (

    select
        cast(combined.attribution_model as {{ dbt.type_string() }}) as attribution_model,
        cast(combined.acquisition_channel as {{ dbt.type_string() }}) as acquisition_channel,
        cast(combined.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(combined.contacts as bigint) as contacts,
        cast(combined.leads as bigint) as leads,
        cast(combined.qualified_leads as bigint) as qualified_leads,
        cast(combined.customers as bigint) as customers,
        cast(combined.revenue as double) as revenue,
        cast(spend.spend as double) as spend,
        cast(spend.spend / nullif(cast(combined.leads as double), 0) as double) as cost_per_lead,
        cast(spend.spend / nullif(cast(combined.customers as double), 0) as double) as cost_per_customer,
        cast((combined.revenue - spend.spend) / nullif(spend.spend, 0) as double) as roi
    from combined
    left join spend
        on combined.campaign_id = spend.campaign_id

)

select * from final
