"""Many investors build, year by year; the market allocates (``siting simulate``).

``agents`` makes the investors into arrays; ``halls`` splits each site by the owner types that hold
capacity there; ``forecast`` is what investors believe use will be; ``respond`` their best
response on the forecast market, warm in HiGHS; ``engine`` the myopic year loop; ``perfect``
perfect foresight; ``fleet`` the three build-outs and their one cost; ``levers`` the policy
levers of each year; ``run`` the runner (``siting simulate``). docs/model.md, "Many
investors", has the maths.
"""
