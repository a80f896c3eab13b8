-- Argo CD health check for codexlb.io/CodexLB.
-- Install: add to the argocd-cm ConfigMap under
--   resource.customizations.health.codexlb.io_CodexLB: |
--     <this file>
-- It concludes what kstatus (Flux) concludes from the same status: Healthy once the operator observed
-- the latest spec and reports Ready=True; Degraded when it reports Stalled=True (a human must act: a
-- failed migration, a missing Secret...); Progressing otherwise (Reconciling=True: a migration, a rollout).
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
if obj.status.observedGeneration == nil or obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the latest spec"
  return hs
end
local ready, stalled
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "Stalled" then stalled = c end
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. stalled.message
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
hs.status = "Progressing"
hs.message = ready ~= nil and ready.message or "Not ready yet"
return hs
