*
prod2
read"get*

Deployment"web2!
drop"delete*

Deployment"web