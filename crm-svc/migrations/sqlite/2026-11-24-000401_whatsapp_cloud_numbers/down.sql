DROP TABLE whatsapp_cloud_numbers;
