{#-
    Identified contacts who started a cart or a form and did not complete it in the last
    `meta.lookback_days` days. Kept apart from the anonymous ones: a visitor who identifies moves
    from `aud_anonymous_abandoners` to `aud_identified_abandoners`.
-#}

{{ nurture_abandoners(anonymous=false) }}
