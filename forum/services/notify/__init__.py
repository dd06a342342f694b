"""What the forum tells each member, in the product and by e-mail.

- follows: who follows which thread or board, at which level (suivre, normal, silencieux);
- events + fanout + recipients + mentions: an event (a reply, a status change…) becomes one
  notification per recipient, in set-based SQL, in the transaction of the event itself;
- inbox + reads: the bell, the notifications page, how far each member has read each thread;
- preferences, outbox, delivery, unsubscribe, tasks: e-mail, written to an outbox in the event's
  transaction and delivered by a worker (Huey), batched, retried, never twice;
- letters: the club's letter (digest) per board and member.
"""
