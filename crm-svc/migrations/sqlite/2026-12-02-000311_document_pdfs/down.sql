DROP TABLE document_pdfs;
