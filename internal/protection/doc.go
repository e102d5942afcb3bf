// Package protection holds the rules of ECS task scale-in protection: a
// task of a service may be protected for 1 to 2880 minutes (120 when the
// request names no period); while protected, the service scheduler does
// not stop it to scale in or to replace it in a deployment, and once the
// period ends the protection is gone. It is pure: the control plane keeps a
// task's State in its task record and asks Active when it decides.
package protection
