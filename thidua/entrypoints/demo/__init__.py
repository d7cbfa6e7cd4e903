"""`thidua demo`: a whole 2024 review round of the sample Department, driven through the HTTP API.

Every step is taken by the sample account whose role takes it in real life, over HTTP, exactly
as the users' clients would:

1. the Office (``vanphong``) opens the round for NTM-2024 (late arrivals go to the next round);
2. each unit's officer (``canbo.<unit>``) submits its staff (every non-leadership member) and the
   unit itself as a collective, with realistic, deterministic variety (``random.Random(2024)``);
3. each unit head (``truongphong.<unit>``) approves; one nomination is returned for a correction
   and resubmitted before closing; one nominee under disciplinary review is on hold;
4. the Office closes the round: incomplete dossiers go back to their units, an initiative claimed
   twice counts once, collectives are recomputed from their members' outcomes;
5. the two units whose dossiers were returned supplement and resubmit them; their heads approve
   again; being after the closing they wait for the next round (``late_policy=next_round``);
6. the council secretary records the meeting (10 members, one absent voting in writing) and one
   ballot per item; one CSTDCS gets 7 of 10 votes and is not recommended;
7. the Director approves the list, rejecting one item with a reason;
8. the Office records the province's answers to the proposals (one approved, one returned);
9. the four documents are downloaded (docx and pdf, or html when there is no pdf).

Run it twice and the second run only prints the summary of the latest existing round.
"""
