"""A word of the question that one document alone holds: that document is found and answered from, in every
mode, whatever the embedding model makes of its language. Real MiniLM (English only), real Chroma and BM25."""

from __future__ import annotations

# One-paragraph annual reports; MiniLM reads none of these languages, so its cosines rank them at random.
REPORTS = {
    "zh_report.txt": "公司年度报告。今年的营业收入达到了三千五百万元，比去年增长百分之十二。董事会决定向股东分配红利。",
    "hi_report.txt": "कंपनी की वार्षिक रिपोर्ट। इस वर्ष राजस्व 560 करोड़ रुपये रहा। नया कारखाना लखनऊ शहर में स्थित है।",
    "ru_report.txt": (
        "Годовой отчёт компании. Выручка в этом году составила 870 млн рублей. Новый завод находится в Томске."
    ),
    "ar_report.txt": (
        "التقرير السنوي للشركة. بلغت الإيرادات هذا العام 345 مليون دينار. قرر مجلس الإدارة توزيع الأرباح على المساهمين."
    ),
    "el_report.txt": "Ετήσια έκθεση της εταιρείας. Τα έσοδα φέτος έφτασαν τα 290 εκατομμύρια ευρώ.",
}


def test_the_only_document_holding_a_question_word_comes_first_in_hybrid_search(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="hybrid")
    workspace.ingest([(name, text.encode()) for name, text in REPORTS.items()])

    for question, expected in [("ما هي الأرباح؟", "ar_report.txt"), ("लखनऊ", "hi_report.txt")]:
        assert workspace.retrieve(question)[0].file_name == expected, question


def test_a_question_word_found_by_keyword_search_is_never_answered_not_found(open_workspace) -> None:  # type: ignore[no-untyped-def]
    english = "The new plant in Goettingen employs 75 people and opened in March."
    reports = {**REPORTS, "de_plant.txt": english}
    for mode in ("keyword", "hybrid"):
        workspace = open_workspace(RETRIEVAL_MODE=mode, COLLECTION_NAME=mode)
        workspace.ingest([(name, text.encode()) for name, text in reports.items()])
        # Hindi: MiniLM does not read it, so its cosine (about 0.1) says nothing. "Goettingen": a name, no language;
        # the passage holds the question's every word.
        for question, expected in [("लखनऊ", "hi_report.txt"), ("Goettingen", "de_plant.txt")]:
            answer = workspace.ask(question)
            assert answer.mode == "extractive", (mode, question)
            assert answer.sources[0].file_name == expected, (mode, question)
        # An English question on nothing the documents hold is still not answered from them.
        off_topic = workspace.ask("Which football club won the 1998 league title?")
        if mode == "hybrid":
            assert off_topic.mode == "not_found"
        else:  # no passage holds its words
            assert off_topic.sources == []
